with

source as (

    select * from {{ source('esf', 'municipalities') }}

),

renamed as (

    select
        cast(municipality_id as varchar) as municipality_id,
        cast(municipality_name as varchar) as municipality_name,
        cast(programme as varchar) as programme,
        cast(kind as varchar) as kind,
        cast(region as varchar) as region,
        cast(joined_on as date) as joined_on,

        cast(_file_sha256 as varchar) as file_sha256,
        cast(_loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
