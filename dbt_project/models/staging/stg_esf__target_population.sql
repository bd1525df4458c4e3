with

source as (

    select * from {{ source('esf', 'target_population') }}

),

renamed as (

    select
        cast(month as varchar) as month,
        cast(district as varchar) as district,
        cast(target_group as varchar) as target_group,
        cast(count as integer) as population_count,

        cast(_provider_id as varchar) as jobcenter_id,
        cast(_reporting_month as varchar) as reporting_month,
        cast(_file_sha256 as varchar) as file_sha256,
        cast(_source_row as integer) as source_row,
        cast(_loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
