with

source as (

    select * from {{ source('esf', 'process_checklist') }}

),

renamed as (

    select
        cast(_provider_id as varchar) as municipality_id,
        cast(_reporting_month as varchar) as wave,
        cast(item_id as varchar) as item_id,
        cast(status as varchar) as status,
        cast(responsibility as varchar) as responsibility,
        cast(note as varchar) as note,

        cast(_file_sha256 as varchar) as file_sha256,
        cast(_source_row as integer) as source_row,
        cast(_loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
